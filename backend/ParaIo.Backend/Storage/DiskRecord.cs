namespace ParaIo.Backend.Storage;

/// <summary>A disk the operator created: a raw image file the daemon serves as a LUN.</summary>
/// <param name="Name">The operator's name for it, used in <c>vbd</c> settings (<c>disk=NAME</c>).</param>
/// <param name="Path">The image file, absolute.</param>
/// <param name="Direct">Served with O_DIRECT (no host page cache).</param>
public sealed record DiskRecord(string Name, string Path, bool Direct = false);
