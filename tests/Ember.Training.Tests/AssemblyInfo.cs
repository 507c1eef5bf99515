using Xunit;

// Fit's shuffling, Keras layers built without a generator and several tests here draw from the one process-wide
// default generator after reseeding it (Tensor.ManualSeed); test classes running in parallel would interleave their
// draws and make bit-for-bit comparisons (FitTests) fail now and then. One collection for the assembly runs its
// tests one after another; the suite is small.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]
