#!/bin/sh
# Print the first Python interpreter of version 3.13 or newer, or nothing.
# Looked for, in order: python3.13, python3 (Debian 13's is 3.13), pyenv's 3.13 builds.
for candidate in python3.13 python3 "$HOME"/.pyenv/versions/3.13*/bin/python3 /root/.pyenv/versions/3.13*/bin/python3; do
    path=$(command -v "$candidate" 2>/dev/null) || continue
    if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)' 2>/dev/null; then
        echo "$path"
        exit 0
    fi
done
exit 0
