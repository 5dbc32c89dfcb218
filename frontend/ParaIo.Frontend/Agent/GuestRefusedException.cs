namespace ParaIo.Frontend.Agent;

/// <summary>The daemon refused the guest's name or token; retrying will not help.</summary>
public sealed class GuestRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GuestRefusedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
