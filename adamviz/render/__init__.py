"""Renderers: the only part of adamviz that imports matplotlib (and, later, imageio).

``grid`` and ``style`` are plain numpy/data (tested without a figure); ``contour`` draws on a
user's ``Axes`` and returns the artists it made; ``figure`` builds and saves whole figures.
"""
