namespace ParaIo.Store.Xenbus;

/// <summary>
/// The state of one end of a split device, as each end publishes it in its <c>state</c> node.
/// Numbers are Xen's (<c>io/xenbus.h</c>).
/// </summary>
public enum XenbusState
{
    /// <summary>Not published, or unreadable.</summary>
    Unknown = 0,

    /// <summary>The end exists and is setting itself up.</summary>
    Initialising = 1,

    /// <summary>Backend: features published, waiting for the frontend's ring details.</summary>
    InitWait = 2,

    /// <summary>Frontend: ring granted and its references published.</summary>
    Initialised = 3,

    /// <summary>Data can flow.</summary>
    Connected = 4,

    /// <summary>The end is shutting down.</summary>
    Closing = 5,

    /// <summary>The end is shut down.</summary>
    Closed = 6,

    /// <summary>A live reconfiguration started.</summary>
    Reconfiguring = 7,

    /// <summary>A live reconfiguration finished.</summary>
    Reconfigured = 8,
}
