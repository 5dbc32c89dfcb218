namespace ParaIo.RingBuffer.Grants;

/// <summary>A grant reference: an index into the granting domain's grant table.</summary>
/// <param name="Value">The index.</param>
public readonly record struct GrantRef(uint Value)
{
    /// <summary>Grant 0 is reserved and never handed out, so a zeroed request names no page.</summary>
    public static GrantRef Invalid => default;

    /// <inheritdoc />
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
