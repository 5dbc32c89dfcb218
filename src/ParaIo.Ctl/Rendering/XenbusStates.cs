using System.Globalization;
using ParaIo.Store.Xenbus;

namespace ParaIo.Ctl.Rendering;

/// <summary>Names for the state numbers paraiod reports (-1: the state node is missing).</summary>
internal static class XenbusStates
{
    /// <summary><c>Connected (4)</c>, <c>missing</c> for -1, the bare number for one Xen does not define.</summary>
    public static string Describe(int? state) => state switch
    {
        null => "?",
        -1 => "missing",
        >= (int)XenbusState.Unknown and <= (int)XenbusState.Reconfigured => $"{(XenbusState)state.Value} ({state.Value.ToString(CultureInfo.InvariantCulture)})",
        _ => state.Value.ToString(CultureInfo.InvariantCulture),
    };
}
