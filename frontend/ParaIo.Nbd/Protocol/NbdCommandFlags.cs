namespace ParaIo.Nbd.Protocol;

/// <summary>Per-request command flags.</summary>
[Flags]
internal enum NbdCommandFlags : ushort
{
    None = 0,
    ForceUnitAccess = 1 << 0,
    NoHole = 1 << 1,
    DontFragment = 1 << 2,
    RequestOne = 1 << 3,
    FastZero = 1 << 4,
}
