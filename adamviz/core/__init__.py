"""The bottom layer: errors, atomic files, the small text forms users type, and formulas
(parsing, automatic differentiation, execution). Imports nothing else from adamviz."""
