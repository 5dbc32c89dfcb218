namespace ParaIo.Ctl.Rendering;

/// <summary>
/// The states of a device's handshake, Xen's <c>enum xenbus_state</c>, as the frontend and backend
/// publish them in their <c>state</c> nodes.
/// </summary>
internal enum XenbusState
{
    Unknown = 0,
    Initialising = 1,
    InitWait = 2,
    Initialised = 3,
    Connected = 4,
    Closing = 5,
    Closed = 6,
    Reconfiguring = 7,
    Reconfigured = 8,
}
