namespace ParaIo.Frontend.Agent;

/// <summary>A device of the guest, as its frontend directory names it.</summary>
/// <param name="Type">Device type (<c>vbd</c>, <c>vif</c>, <c>loop</c>).</param>
/// <param name="Id">Device id within its type.</param>
public readonly record struct GuestDevice(string Type, int Id)
{
    /// <inheritdoc />
    public override string ToString() => $"{Type}/{Id}";
}
