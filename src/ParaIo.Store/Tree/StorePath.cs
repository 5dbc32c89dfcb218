using System.Globalization;

namespace ParaIo.Store.Tree;

/// <summary>
/// Store paths: absolute, <c>/</c>-separated, each component one or more of
/// <c>[A-Za-z0-9_@.-]</c> (Xen's node-name alphabet), no empty, <c>.</c> or <c>..</c> components and
/// no trailing <c>/</c> except on the root. Special watch names (<c>@releaseDomain</c>) are one
/// <c>@</c>-led component without a slash and name no node.
/// </summary>
public static class StorePath
{
    /// <summary>The root of the tree.</summary>
    public const string Root = "/";

    /// <summary>The longest path, in bytes (all path characters are ASCII).</summary>
    public const int MaxLength = 1024;

    /// <summary>Where a domain's own subtree lives: <c>/local/domain/&lt;domid&gt;</c>.</summary>
    public static string ForDomain(ushort domain) => "/local/domain/" + domain.ToString(CultureInfo.InvariantCulture);

    /// <summary>True when <paramref name="path"/> is a well-formed node path.</summary>
    public static bool IsValid(string? path) => Check(path, MaxLength) == StoreError.None;

    /// <summary>True for a special watch name such as <c>@releaseDomain</c>.</summary>
    public static bool IsSpecial(string? path)
    {
        if (path is null || path.Length < 2 || path.Length > MaxLength || path[0] != '@')
        {
            return false;
        }

        foreach (var c in path.AsSpan(1))
        {
            if (!IsNameChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// <see cref="StoreError.None"/> for a well-formed path; <see cref="StoreError.TooBig"/> when it is
    /// longer than <paramref name="maxLength"/>; <see cref="StoreError.InvalidArgument"/> otherwise.
    /// </summary>
    public static StoreError Check(string? path, int maxLength)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/')
        {
            return StoreError.InvalidArgument;
        }

        if (path.Length > maxLength)
        {
            return StoreError.TooBig;
        }

        if (path.Length == 1)
        {
            return StoreError.None;
        }

        var componentStart = 1;
        for (var i = 1; i <= path.Length; i++)
        {
            if (i == path.Length || path[i] == '/')
            {
                var length = i - componentStart;
                if (length == 0 || (length == 1 && path[componentStart] == '.') || (length == 2 && path[componentStart] == '.' && path[componentStart + 1] == '.'))
                {
                    return StoreError.InvalidArgument;
                }

                componentStart = i + 1;
            }
            else if (!IsNameChar(path[i]))
            {
                return StoreError.InvalidArgument;
            }
        }

        return StoreError.None;
    }

    /// <summary>The parent of <paramref name="path"/>; the root's parent is the root.</summary>
    public static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? Root : path[..slash];
    }

    /// <summary>The last component of <paramref name="path"/> (empty for the root).</summary>
    public static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    /// <summary>Appends one component to <paramref name="parent"/>.</summary>
    public static string Combine(string parent, string name) => parent.Length == 1 ? "/" + name : parent + "/" + name;

    /// <summary>True when <paramref name="path"/> is <paramref name="ancestor"/> or lies below it.</summary>
    public static bool IsAncestorOrSelf(string ancestor, string path)
    {
        if (ancestor.Length == 1)
        {
            return path.Length > 0 && path[0] == '/';
        }

        return path.StartsWith(ancestor, StringComparison.Ordinal)
            && (path.Length == ancestor.Length || path[ancestor.Length] == '/');
    }

    /// <summary>The components of a valid path (none for the root).</summary>
    internal static string[] Split(string path) =>
        path.Length == 1 ? [] : path[1..].Split('/');

    /// <summary>The path made of the first <paramref name="count"/> components.</summary>
    internal static string Join(string[] components, int count) =>
        count == 0 ? Root : "/" + string.Join('/', components, 0, count);

    private static bool IsNameChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '@' or '.' or '-';
}
