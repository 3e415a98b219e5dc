"""The two ways peers wait for Azure, written as a script would: the comparison points of bench/."""
