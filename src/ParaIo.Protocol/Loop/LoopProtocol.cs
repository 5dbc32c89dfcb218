namespace ParaIo.Protocol.Loop;

/// <summary>What both ends of the loopback device agree on.</summary>
public static class LoopProtocol
{
    /// <summary>The device type in store paths.</summary>
    public const string DeviceType = "loop";

    /// <summary>The answer to a value: its bitwise complement, so a zeroed slot never looks answered.</summary>
    public static ulong Answer(ulong value) => ~value;
}
