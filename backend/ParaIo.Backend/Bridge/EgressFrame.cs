using System.Buffers.Binary;

namespace ParaIo.Backend.Bridge;

/// <summary>
/// A frame as one egress port is to send it: the ingress frame with its 802.1Q tag left alone,
/// stripped, or inserted, computed on the fly while copying so the frame itself is never rewritten.
/// Valid only during <see cref="BridgePort.Transmit"/>.
/// </summary>
public readonly struct EgressFrame
{
    /// <summary>Bytes of an 802.1Q tag.</summary>
    public const int TagLength = 4;

    private const int TagOffset = 12;

    private readonly EthernetFrame _frame;
    private readonly TagEdit _edit;
    private readonly ushort _vlan;

    internal EgressFrame(EthernetFrame frame, TagEdit edit, ushort vlan)
    {
        _frame = frame;
        _edit = edit;
        _vlan = vlan;
    }

    /// <summary>The VLAN the frame travels on inside the bridge.</summary>
    public int Vlan => _vlan;

    /// <summary>The frame's length as this port sends it.</summary>
    public int Length => _edit switch
    {
        TagEdit.Strip => _frame.Length - TagLength,
        TagEdit.Insert => _frame.Length + TagLength,
        _ => _frame.Length,
    };

    /// <summary>The sender's offload metadata.</summary>
    public FrameOffload Offload => _frame.Offload;

    /// <summary>The ingress frame, unedited (a port that wants the raw segments and makes no tag edits).</summary>
    public EthernetFrame Source => _frame;

    /// <summary>True when the port sees the ingress bytes unchanged.</summary>
    public bool IsUnedited => _edit == TagEdit.None;

    /// <summary>Copies bytes <paramref name="offset"/> .. + destination length of the frame as this port sends it.</summary>
    public void CopyTo(int offset, Span<byte> destination)
    {
        switch (_edit)
        {
            case TagEdit.None:
                _frame.CopyTo(offset, destination);
                return;
            case TagEdit.Strip:
                // Egress bytes [0,12) are ingress [0,12); egress [12, ..) are ingress [16, ..).
                Splice(offset, destination, TagOffset, TagLength, default);
                return;
            default:
                Span<byte> tag = stackalloc byte[TagLength];
                BinaryPrimitives.WriteUInt16BigEndian(tag, VlanConfig.TagProtocol);
                BinaryPrimitives.WriteUInt16BigEndian(tag[2..], _vlan);
                Splice(offset, destination, TagOffset, -TagLength, tag);
                return;
        }
    }

    /// <summary>Copies the whole frame as this port sends it.</summary>
    public void CopyTo(Span<byte> destination) => CopyTo(0, destination[..Length]);

    /// <summary>
    /// Copies with a splice at <paramref name="at"/>: a positive <paramref name="shift"/> skips that
    /// many ingress bytes there; a negative one inserts <paramref name="inserted"/>.
    /// </summary>
    private void Splice(int offset, Span<byte> destination, int at, int shift, ReadOnlySpan<byte> inserted)
    {
        if (offset < at)
        {
            var head = Math.Min(at - offset, destination.Length);
            _frame.CopyTo(offset, destination[..head]);
            destination = destination[head..];
            offset += head;
        }

        if (destination.IsEmpty)
        {
            return;
        }

        if (shift < 0)
        {
            var intoTag = offset - at;
            if (intoTag < inserted.Length)
            {
                var take = Math.Min(inserted.Length - intoTag, destination.Length);
                inserted.Slice(intoTag, take).CopyTo(destination);
                destination = destination[take..];
                offset += take;
            }

            if (!destination.IsEmpty)
            {
                _frame.CopyTo(offset + shift, destination);
            }

            return;
        }

        _frame.CopyTo(offset + shift, destination);
    }

    internal enum TagEdit : byte
    {
        None,
        Strip,
        Insert,
    }
}
