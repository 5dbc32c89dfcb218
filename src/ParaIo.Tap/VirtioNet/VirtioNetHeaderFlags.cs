namespace ParaIo.Tap.VirtioNet;

/// <summary>The <c>flags</c> byte of a virtio-net header (virtio 1.2, 5.1.6).</summary>
[Flags]
public enum VirtioNetHeaderFlags : byte
{
    /// <summary>No checksum work is pending or known.</summary>
    None = 0,

    /// <summary>
    /// VIRTIO_NET_HDR_F_NEEDS_CSUM: the L4 checksum is partial; whoever finishes the frame sums from
    /// <see cref="VirtioNetHeader.ChecksumStart"/> to the end and stores the result at
    /// ChecksumStart + <see cref="VirtioNetHeader.ChecksumOffset"/>.
    /// </summary>
    NeedsChecksum = 1,

    /// <summary>
    /// VIRTIO_NET_HDR_F_DATA_VALID: the checksums were already checked. A virtio device sets it on
    /// receive; the tun driver neither sets it on read nor honours it on write (write a frame with
    /// an unfinished checksum as <see cref="NeedsChecksum"/> instead).
    /// </summary>
    DataValid = 2,
}
