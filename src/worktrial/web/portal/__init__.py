"""The candidate portal: what a candidate sees of their trial (no models of its own)."""
