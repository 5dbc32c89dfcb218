namespace ParaIo.Backend.Bridge;

/// <summary>One learned address at one instant.</summary>
/// <param name="Vlan">The VLAN it was learned on.</param>
/// <param name="Mac">The station's address.</param>
/// <param name="Port">The port it was last seen on.</param>
/// <param name="Age">Time since it was last seen.</param>
public sealed record MacEntrySnapshot(int Vlan, MacAddress Mac, string Port, TimeSpan Age);
