using ParaIo.Store.Xenbus;

namespace ParaIo.Frontend.Agent;

/// <summary>A frontend device changed state.</summary>
/// <param name="Type">Device type.</param>
/// <param name="Id">Device id.</param>
/// <param name="State">The frontend's new state.</param>
public readonly record struct DeviceStateChange(string Type, int Id, XenbusState State);
