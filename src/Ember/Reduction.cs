namespace Ember;

/// <summary>How a loss reduces its per-element values (PyTorch's <c>reduction=</c>).</summary>
public enum Reduction
{
    /// <summary>The average over elements (PyTorch's default, <c>'mean'</c>).</summary>
    Mean,
    /// <summary>The sum over elements (<c>'sum'</c>).</summary>
    Sum,
    /// <summary>No reduction: one value per element or sample (<c>'none'</c>).</summary>
    None,
    /// <summary>The sum divided by the batch size (<c>'batchmean'</c>); only <c>KLDivLoss</c> accepts it.</summary>
    BatchMean,
}
