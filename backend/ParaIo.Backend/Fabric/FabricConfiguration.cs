namespace ParaIo.Backend.Fabric;

/// <summary>The fabric as paraiod's configuration describes it: modules and their ports, identity pools, profile templates.</summary>
/// <param name="Modules">The VNIC and VHBA modules.</param>
/// <param name="Identities">Where new MACs and WWPNs come from.</param>
/// <param name="Templates">The shapes profiles are made from.</param>
public sealed record FabricConfiguration(IReadOnlyList<FabricModule> Modules, IdentityPolicy Identities, IReadOnlyList<FabricTemplate> Templates)
{
    /// <summary>Every port of every module.</summary>
    public IEnumerable<FabricPort> Ports => Modules.SelectMany(m => m.Ports);

    /// <summary>Throws unless names are unique and valid, line rates positive, VNIC ports tied to bridges, and templates name ports of the right kind.</summary>
    /// <exception cref="ArgumentException">What is wrong.</exception>
    public void Validate()
    {
        foreach (var module in Modules)
        {
            FabricNames.Check(module.Name, "module");
            if (module.Ports.Count == 0)
            {
                throw new ArgumentException($"Fabric module '{module.Name}' has no ports.");
            }

            foreach (var port in module.Ports)
            {
                if (port.LineRate <= 0)
                {
                    throw new ArgumentException($"Port {port} has no line rate; give it one (Mb/s).");
                }

                if (port.Kind == FabricModuleKind.Vnic && string.IsNullOrEmpty(port.Bridge))
                {
                    throw new ArgumentException($"Port {port} of VNIC module '{module.Name}' names no bridge for its uplink.");
                }
            }
        }

        CheckUnique(Modules.Select(m => m.Name), "fabric module");
        CheckUnique(Templates.Select(t => t.Name), "profile template");
        foreach (var template in Templates)
        {
            FabricNames.Check(template.Name, "template");
            foreach (var vnic in template.Vnics)
            {
                FindPort(vnic.Port, FabricModuleKind.Vnic);
                vnic.Qos.Validate($"{template.Name} template's vNIC");
            }

            foreach (var vhba in template.Vhbas)
            {
                FindPort(vhba.Port, FabricModuleKind.Vhba);
                vhba.Qos.Validate($"{template.Name} template's vHBA");
            }
        }

        Identities.CreateMacPool();
        Identities.CreateWwpnPool();
    }

    /// <summary>The port at <paramref name="address"/> (<c>MODULE/INDEX</c>), which must be on a module of <paramref name="kind"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such module or port; the message lists the ports there are.</exception>
    /// <exception cref="ArgumentException">The port is on a module of the other kind.</exception>
    public FabricPort FindPort(string address, FabricModuleKind kind)
    {
        var port = Ports.FirstOrDefault(p => p.Address == address)
            ?? throw new KeyNotFoundException($"no fabric port '{address}'; {Describe(kind)}");
        return port.Kind == kind
            ? port
            : throw new ArgumentException($"Port {address} is on a {port.Kind.ToString().ToUpperInvariant()} module, not a {kind.ToString().ToUpperInvariant()} module; {Describe(kind)}");
    }

    /// <summary>The template named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such template; the message lists those there are.</exception>
    public FabricTemplate FindTemplate(string name) =>
        Templates.FirstOrDefault(t => t.Name == name)
        ?? throw new KeyNotFoundException($"no profile template '{name}'; templates: {(Templates.Count == 0 ? "none (add them to paraiod's configuration)" : string.Join(", ", Templates.Select(t => t.Name)))}");

    private string Describe(FabricModuleKind kind)
    {
        var ports = Ports.Where(p => p.Kind == kind).Select(p => p.Address).ToList();
        return ports.Count == 0
            ? $"this paraiod has no {kind.ToString().ToUpperInvariant()} module (see Paraiod:Fabric in its configuration)"
            : $"{kind.ToString().ToUpperInvariant()} ports: {string.Join(", ", ports)}";
    }

    private static void CheckUnique(IEnumerable<string> names, string what)
    {
        if (names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"Two {what}s are named '{twice.Key}'.");
        }
    }
}
