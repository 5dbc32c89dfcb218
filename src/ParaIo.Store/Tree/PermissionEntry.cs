using System.Globalization;

namespace ParaIo.Store.Tree;

/// <summary>
/// One entry of a node's permission list, written on the wire as a letter and a domain id:
/// <c>r5</c>, <c>w0</c>, <c>b7</c>, <c>n0</c>.
/// </summary>
/// <param name="Domain">The domain the entry names.</param>
/// <param name="Access">What it grants.</param>
public readonly record struct PermissionEntry(ushort Domain, StoreAccess Access)
{
    /// <summary>The wire form, for example <c>r5</c>.</summary>
    public override string ToString() => Letter(Access) + Domain.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses the wire form; false for anything else (an unknown letter, a domain outside 0..65535).</summary>
    public static bool TryParse(string text, out PermissionEntry entry)
    {
        entry = default;
        if (text is null || text.Length < 2 || text.Length > 6)
        {
            return false;
        }

        StoreAccess access;
        switch (text[0])
        {
            case 'n':
                access = StoreAccess.None;
                break;
            case 'r':
                access = StoreAccess.Read;
                break;
            case 'w':
                access = StoreAccess.Write;
                break;
            case 'b':
                access = StoreAccess.Both;
                break;
            default:
                return false;
        }

        foreach (var c in text.AsSpan(1))
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        if (!ushort.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var domain))
        {
            return false;
        }

        entry = new PermissionEntry(domain, access);
        return true;
    }

    private static string Letter(StoreAccess access) => access switch
    {
        StoreAccess.Read => "r",
        StoreAccess.Write => "w",
        StoreAccess.Both => "b",
        _ => "n",
    };
}
