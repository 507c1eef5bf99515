// The tests seed the process-wide default generator (Tensor.ManualSeed) to build identical models; run them one class
// at a time (one collection for the whole assembly) so that no other test draws from it in between.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]
