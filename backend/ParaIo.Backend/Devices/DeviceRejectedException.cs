namespace ParaIo.Backend.Devices;

/// <summary>The frontend published something the backend refuses; the device is closed with <see cref="Exception.Message"/> logged.</summary>
public sealed class DeviceRejectedException : Exception
{
    /// <summary>Creates the exception with the reason an operator reads in the log.</summary>
    public DeviceRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an inner cause.</summary>
    public DeviceRejectedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
