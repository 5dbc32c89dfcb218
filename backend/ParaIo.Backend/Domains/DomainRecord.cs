namespace ParaIo.Backend.Domains;

/// <summary>A guest domain as the operator created it; persisted so a restarted daemon brings it back.</summary>
/// <param name="Name">The operator's name for it.</param>
/// <param name="DomainId">Its domain id (1..).</param>
/// <param name="Token">The secret its guest presents to connect, hex.</param>
/// <param name="Devices">Its devices.</param>
public sealed record DomainRecord(string Name, int DomainId, string Token, IReadOnlyList<DeviceSpec> Devices);

/// <summary>One device of a domain: type and device id.</summary>
/// <param name="Type">The device type (<c>loop</c>, later <c>vif</c>, <c>vbd</c>).</param>
/// <param name="Id">The device id within its type.</param>
public sealed record DeviceSpec(string Type, int Id)
{
    /// <summary>Parses <c>type</c> or <c>type:id</c>; <paramref name="defaultId"/> when no id is given (-1: to be chosen).</summary>
    public static DeviceSpec Parse(string text, int defaultId)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var type = colon < 0 ? text : text[..colon];
        var id = defaultId;
        if (colon >= 0 && (!int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id) || id > 9999))
        {
            throw new ArgumentException($"'{text}' is not a device: write TYPE or TYPE:ID with ID in 0..9999.");
        }

        if (type.Length is 0 or > 16 || !type.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
        {
            throw new ArgumentException($"'{type}' is not a device type: 1..16 lower-case letters and digits.");
        }

        return new DeviceSpec(type, id);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Type}:{Id}";
}
