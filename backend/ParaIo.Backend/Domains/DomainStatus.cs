namespace ParaIo.Backend.Domains;

/// <summary>Whether a domain's guest is attached.</summary>
public enum DomainStatus
{
    /// <summary>Created; its guest has never connected since the daemon started.</summary>
    Created,

    /// <summary>Its guest is connected and has handed over its pool.</summary>
    Connected,

    /// <summary>Its guest was connected and went away; its devices are closed and its grants unmapped.</summary>
    Disconnected,
}
