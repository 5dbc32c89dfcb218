using System.Collections.Immutable;

namespace ParaIo.Store.Tree;

/// <summary>
/// A node's permission list with Xen's meaning: the first entry names the owner domain and the
/// access every domain not listed gets; further entries grant specific domains. Domain 0 and the
/// owner may do anything. Immutable.
/// </summary>
public sealed class NodePermissions : IEquatable<NodePermissions>
{
    private readonly ImmutableArray<PermissionEntry> _entries;

    private NodePermissions(ImmutableArray<PermissionEntry> entries)
    {
        _entries = entries;
    }

    /// <summary>Owned by domain 0, nothing for anyone else: the root's list.</summary>
    public static NodePermissions Dom0Only { get; } = Create(0, StoreAccess.None);

    /// <summary>The owner domain (the first entry's domain).</summary>
    public ushort Owner => _entries[0].Domain;

    /// <summary>What a domain that is neither the owner, domain 0 nor listed may do.</summary>
    public StoreAccess DefaultAccess => _entries[0].Access;

    /// <summary>All entries, the owner's first.</summary>
    public IReadOnlyList<PermissionEntry> Entries => _entries;

    /// <summary>Builds a list: <paramref name="owner"/> with <paramref name="others"/> for unlisted domains, then <paramref name="grants"/>.</summary>
    public static NodePermissions Create(ushort owner, StoreAccess others, params ReadOnlySpan<PermissionEntry> grants)
    {
        var builder = ImmutableArray.CreateBuilder<PermissionEntry>(grants.Length + 1);
        builder.Add(new PermissionEntry(owner, others));
        foreach (var grant in grants)
        {
            builder.Add(grant);
        }

        return new NodePermissions(builder.MoveToImmutable());
    }

    /// <summary>Parses the wire form (one entry a string); false when any entry is malformed or there is none.</summary>
    public static bool TryParse(IReadOnlyList<string> entries, out NodePermissions? permissions)
    {
        permissions = null;
        if (entries is null || entries.Count == 0)
        {
            return false;
        }

        var builder = ImmutableArray.CreateBuilder<PermissionEntry>(entries.Count);
        foreach (var text in entries)
        {
            if (!PermissionEntry.TryParse(text, out var entry))
            {
                return false;
            }

            builder.Add(entry);
        }

        permissions = new NodePermissions(builder.MoveToImmutable());
        return true;
    }

    /// <summary>What <paramref name="domain"/> may do to a node carrying this list.</summary>
    public StoreAccess AccessFor(ushort domain)
    {
        if (domain == 0 || domain == _entries[0].Domain)
        {
            return StoreAccess.Both;
        }

        // The first matching entry wins, as in Xen's perm_for_conn.
        for (var i = 1; i < _entries.Length; i++)
        {
            if (_entries[i].Domain == domain)
            {
                return _entries[i].Access;
            }
        }

        return _entries[0].Access;
    }

    /// <summary>The same list with <paramref name="owner"/> as its owner (the default access is kept).</summary>
    public NodePermissions WithOwner(ushort owner) =>
        owner == Owner ? this : new NodePermissions(_entries.SetItem(0, new PermissionEntry(owner, _entries[0].Access)));

    /// <summary>The wire form: one string an entry.</summary>
    public string[] ToWireStrings()
    {
        var strings = new string[_entries.Length];
        for (var i = 0; i < strings.Length; i++)
        {
            strings[i] = _entries[i].ToString();
        }

        return strings;
    }

    /// <inheritdoc/>
    public bool Equals(NodePermissions? other) =>
        other is not null && _entries.AsSpan().SequenceEqual(other._entries.AsSpan());

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as NodePermissions);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var entry in _entries)
        {
            hash.Add(entry);
        }

        return hash.ToHashCode();
    }

    /// <summary>The entries' wire forms separated by spaces, for logs and tests.</summary>
    public override string ToString() => string.Join(' ', ToWireStrings());
}
