using System.Globalization;

namespace ParaIo.Store.Xenbus;

/// <summary>
/// Where the two halves of a device live in the store, as in Xen:
/// <code>
///  /local/domain/&lt;domid&gt;/device/&lt;type&gt;/&lt;devid&gt;/...            frontend (owned by the guest)
///  /local/domain/0/backend/&lt;type&gt;/&lt;domid&gt;/&lt;devid&gt;/...      backend (owned by dom0, readable by the guest)
/// </code>
/// and the keys both ends use there.
/// </summary>
public static class XenbusPaths
{
    /// <summary>Each end's XenbusState, as a decimal number.</summary>
    public const string State = "state";

    /// <summary>Frontend: the path of its backend directory.</summary>
    public const string Backend = "backend";

    /// <summary>Frontend: the backend's domain id.</summary>
    public const string BackendId = "backend-id";

    /// <summary>Backend: the path of its frontend directory.</summary>
    public const string Frontend = "frontend";

    /// <summary>Backend: the frontend's domain id.</summary>
    public const string FrontendId = "frontend-id";

    /// <summary>Frontend: log2 of the ring's page count.</summary>
    public const string RingPageOrder = "ring-page-order";

    /// <summary>Backend: the largest ring-page-order it accepts.</summary>
    public const string MaxRingPageOrder = "max-ring-page-order";

    /// <summary>Backend: <c>1</c> while the device belongs to the domain; <c>0</c> once the operator removed it (hot-unplug).</summary>
    public const string Online = "online";

    /// <summary>
    /// Frontend: the port the frontend notifies after publishing requests (Xen's single
    /// <c>event-channel</c>; a ParaIo port rings in one direction).
    /// </summary>
    public const string EventChannel = "event-channel";

    /// <summary>Frontend: the port the backend notifies after publishing responses (ParaIo's second port).</summary>
    public const string EventChannelResponse = "event-channel-response";

    /// <summary>The root of a domain's subtree.</summary>
    public static string Domain(int domid) => "/local/domain/" + domid.ToString(CultureInfo.InvariantCulture);

    /// <summary>The frontend directory of a device.</summary>
    public static string FrontendDirectory(int domid, string type, int devid) =>
        $"{Domain(domid)}/device/{type}/{devid.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The backend directory of a device, under domain 0.</summary>
    public static string BackendDirectory(int domid, string type, int devid) =>
        $"/local/domain/0/backend/{type}/{domid.ToString(CultureInfo.InvariantCulture)}/{devid.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Xen's ring reference key: <c>ring-ref</c> for a one-page ring, <c>ring-ref&lt;i&gt;</c> for page i of a larger one.</summary>
    public static string RingRef(int pageOrder, int index) =>
        pageOrder == 0 ? "ring-ref" : "ring-ref" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses a state node's value; anything unparsable or out of range is <see cref="XenbusState.Unknown"/>.</summary>
    public static XenbusState ParseState(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 0 and <= 8
            ? (XenbusState)number
            : XenbusState.Unknown;

    /// <summary>The text written to a state node.</summary>
    public static string Format(XenbusState state) => ((int)state).ToString(CultureInfo.InvariantCulture);
}
