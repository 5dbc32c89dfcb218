namespace ParaIo.Backend.Block;

/// <summary>How a <see cref="FileLun"/> opens and drives its image file.</summary>
public sealed class FileLunOptions
{
    /// <summary>Open the image read-only: the device refuses writes and discards.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// Also open the file with O_DIRECT and use it for every transfer whose offset, length and
    /// buffers are aligned to <see cref="DirectAlignment"/>, bypassing the host's page cache;
    /// other transfers take the buffered descriptor. Ignored where the file system refuses
    /// O_DIRECT (<see cref="FileLun.IsDirect"/> says which happened).
    /// </summary>
    public bool Direct { get; init; }

    /// <summary>The alignment O_DIRECT transfers need; 4096 satisfies every Linux file system.</summary>
    public int DirectAlignment { get; init; } = 4096;

    /// <summary>
    /// Run each transfer on the calling thread (the device's ring worker) instead of the thread
    /// pool. Right for images in the page cache or on tmpfs, where a 4 KiB copy costs less than
    /// a thread hop; wrong for slow disks, where it serialises the device's requests.
    /// </summary>
    public bool SynchronousIo { get; init; }

    /// <summary>When creating an image, allocate all its blocks up front instead of leaving it sparse.</summary>
    public bool Preallocate { get; init; }

    /// <summary>The physical sector size to advertise; a multiple of 512.</summary>
    public int PhysicalSectorSize { get; init; } = 4096;

    internal FileLunOptions WithSynchronousIo() => new()
    {
        ReadOnly = ReadOnly,
        Direct = Direct,
        DirectAlignment = DirectAlignment,
        SynchronousIo = true,
        Preallocate = Preallocate,
        PhysicalSectorSize = PhysicalSectorSize,
    };
}
