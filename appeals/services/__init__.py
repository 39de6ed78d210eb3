"""Cases' use cases: intake (every channel), workflow (the transition table applied), the sweep,
privacy (views audited, anonymisation)."""
