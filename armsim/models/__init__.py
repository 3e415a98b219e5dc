"""Resources armsim simulates, each an explicit state machine evaluated lazily from the clock."""
