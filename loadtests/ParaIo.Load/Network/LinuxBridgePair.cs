namespace ParaIo.Load.Network;

/// <summary>
/// The baseline: two namespaces, each with one end of a veth pair whose other end is a port of a
/// Linux bridge in a third namespace, so nothing of the host's own network is touched. A frame
/// takes the path a guest's would through ParaIo — interface, switch, interface — with the
/// kernel's veth and bridge doing the work: veth → bridge → veth.
/// </summary>
internal sealed class LinuxBridgePair : IDisposable
{
    public const string ClientAddress = "10.78.0.1";
    public const string ServerAddress = "10.78.0.2";

    private readonly string[] _namespaces;

    private LinuxBridgePair(string prefix)
    {
        Client = prefix + "a";
        Server = prefix + "b";
        Switch = prefix + "br";
        _namespaces = [Client, Server, Switch];
    }

    public string Client { get; }

    public string Server { get; }

    public string Switch { get; }

    /// <summary>Creates the namespaces, the bridge and the two veth pairs; on failure removes what it made.</summary>
    public static LinuxBridgePair Create(string prefix, CancellationToken cancellation)
    {
        var pair = new LinuxBridgePair(prefix);
        try
        {
            foreach (var ns in pair._namespaces)
            {
                HostCommand.Ip(cancellation, "netns", "add", ns);
                HostCommand.Ip(cancellation, "-n", ns, "link", "set", "lo", "up");
            }

            HostCommand.Ip(cancellation, "-n", pair.Switch, "link", "add", "br0", "type", "bridge");
            HostCommand.Ip(cancellation, "-n", pair.Switch, "link", "set", "br0", "up");
            pair.Attach(pair.Client, "plc", ClientAddress, cancellation);
            pair.Attach(pair.Server, "pls", ServerAddress, cancellation);
            return pair;
        }
        catch
        {
            pair.Dispose();
            throw;
        }
    }

    public NamespacePair Endpoints(string detail) => new(Client, Server, ClientAddress, ServerAddress, detail);

    /// <summary>Deletes the three namespaces; their interfaces and the bridge go with them.</summary>
    public void Dispose()
    {
        foreach (var ns in _namespaces)
        {
            HostCommand.TryIp("netns", "del", ns);
        }
    }

    /// <summary>A veth pair: eth0 in <paramref name="ns"/> with the address, its peer a port of the bridge.</summary>
    private void Attach(string ns, string port, string address, CancellationToken cancellation)
    {
        HostCommand.Ip(cancellation, "-n", Switch, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
        HostCommand.Ip(cancellation, "-n", Switch, "link", "set", port, "master", "br0", "up");
        HostCommand.Ip(cancellation, "-n", ns, "addr", "add", address + "/24", "dev", "eth0");
        HostCommand.Ip(cancellation, "-n", ns, "link", "set", "eth0", "up");
    }
}
