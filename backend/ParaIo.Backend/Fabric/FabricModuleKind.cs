namespace ParaIo.Backend.Fabric;

/// <summary>What a fabric module carries: Ethernet (vNICs) or Fibre-Channel-like storage (vHBAs).</summary>
public enum FabricModuleKind
{
    /// <summary>A VNIC module: Ethernet ports, each tied to a bridge, carrying up to 256 vNICs a module.</summary>
    Vnic,

    /// <summary>A VHBA module: storage ports carrying vHBAs, which reach the LUNs masked to them.</summary>
    Vhba,
}
