"""`python -m demo`: a full image build on the local stand-ins, as a newcomer's first run."""
