"""Demo-data generator for trials, training and benchmarks."""
