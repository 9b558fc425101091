"""Qt windows, pages and widgets, and the bridge that turns core callbacks into signals."""
