"""File formats shared along the data flow: readers that turn bytes into arrays.

A module here knows one on-disk layout (FISBe's zarr / HDF5 label volumes and split list, the
hash partitioning of a published synapse table) and nothing of the catalogue, the store or any
pipeline, so pipelines (which build from these files), loaders (which read what was published) and
benchmarks (which score user-supplied volumes) all import it without importing one another.
"""
