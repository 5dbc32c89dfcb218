using ParaIo.Backend.Fabric;

namespace ParaIo.Daemon.Hosting;

/// <summary>
/// <c>Paraiod:Fabric</c>: the I/O fabric's VNIC and VHBA modules, its identity pools and its
/// profile templates. Modules and templates are keyed by name, so a configuration file adds to the
/// embedded defaults (one VNIC module <c>nic0</c> with a 10 Gb/s port on br0, one VHBA module
/// <c>hba0</c> with a 4 Gb/s port, a template <c>default</c>) or changes one by naming it.
/// </summary>
public sealed class FabricOptions
{
    /// <summary>The vNICs' MAC pool prefix: locally administered, unicast.</summary>
    public string MacPrefix { get; set; } = IdentityPolicy.Default.MacPrefix;

    /// <summary>The vHBAs' WWPN pool prefix.</summary>
    public string WwpnPrefix { get; set; } = IdentityPolicy.Default.WwpnPrefix;

    /// <summary>The modules, by name.</summary>
    public IDictionary<string, FabricModuleOptions> Modules { get; } = new Dictionary<string, FabricModuleOptions>(StringComparer.Ordinal);

    /// <summary>The profile templates, by name; <c>default</c> is used when a profile names none.</summary>
    public IDictionary<string, FabricTemplateOptions> Templates { get; } = new Dictionary<string, FabricTemplateOptions>(StringComparer.Ordinal);

    /// <summary>The fabric these options describe.</summary>
    /// <exception cref="ArgumentException">A rate, class, kind or name is malformed, or the fabric is inconsistent.</exception>
    public FabricConfiguration ToConfiguration()
    {
        var modules = Modules.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => m.Value.ToModule(m.Key)).ToList();
        var templates = Templates.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Value.ToTemplate(t.Key)).ToList();
        var configuration = new FabricConfiguration(modules, new IdentityPolicy(MacPrefix, WwpnPrefix), templates);
        configuration.Validate();
        return configuration;
    }
}
