"""Domain logic, one module per concept: typed functions, keyword-only arguments, no commits."""
