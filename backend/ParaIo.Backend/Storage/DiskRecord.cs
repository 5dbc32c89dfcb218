namespace ParaIo.Backend.Storage;

/// <summary>A disk the operator created: a raw image file, or an export on a SAN, the daemon serves as a LUN.</summary>
/// <param name="Name">The operator's name for it, used in <c>vbd</c> settings (<c>disk=NAME</c>).</param>
/// <param name="Path">The image file, absolute; for a SAN disk, its URI.</param>
/// <param name="Direct">Served with O_DIRECT (no host page cache).</param>
/// <param name="San">The NBD URI of a SAN disk (<c>nbd+unix:///EXPORT?socket=PATH</c>, <c>nbd://HOST:PORT/EXPORT</c>); null for an image file.</param>
public sealed record DiskRecord(string Name, string Path, bool Direct = false, string? San = null)
{
    /// <summary>True for an export on a SAN (an NBD server) rather than an image file.</summary>
    public bool IsSan => San is not null;
}
