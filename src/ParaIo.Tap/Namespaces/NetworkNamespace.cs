using System.Diagnostics;
using System.Security.Cryptography;

namespace ParaIo.Tap.Namespaces;

/// <summary>
/// A named Linux network namespace (<c>/var/run/netns/NAME</c>) and the few operations a guest's
/// network or a test bed needs in it: addresses, links up, veth pairs, bridges, running a command.
/// Setup goes through <c>ip</c> (iproute2): it happens once, and the data path never touches it.
/// Disposing an instance made by <see cref="Create"/> deletes the namespace. Needs CAP_SYS_ADMIN
/// and CAP_NET_ADMIN (root).
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private const string NamespaceDirectory = "/var/run/netns";

    private readonly bool _owned;
    private int _disposed;

    private NetworkNamespace(string name, bool owned)
    {
        Name = name;
        _owned = owned;
    }

    /// <summary>The namespace's name, as <c>ip netns</c> knows it.</summary>
    public string Name { get; }

    /// <summary>The bind-mounted namespace file that setns(2) opens.</summary>
    public string Path => PathOf(Name);

    /// <summary>The file a named namespace is bind-mounted at.</summary>
    public static string PathOf(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new ArgumentException($"'{name}' is not a namespace name.", nameof(name));
        }

        return System.IO.Path.Combine(NamespaceDirectory, name);
    }

    /// <summary>True when a namespace named <paramref name="name"/> exists.</summary>
    public static bool Exists(string name) => File.Exists(PathOf(name));

    /// <summary>Creates a namespace (<c>ip netns add</c>) with its loopback up; disposing the result deletes it.</summary>
    public static NetworkNamespace Create(string name)
    {
        PathOf(name);
        Ip("netns", "add", name);
        var created = new NetworkNamespace(name, owned: true);
        try
        {
            created.SetLinkUp("lo");
        }
        catch
        {
            created.Dispose();
            throw;
        }

        return created;
    }

    /// <summary>Creates a namespace named <paramref name="prefix"/> plus a random suffix, for tests and throwaway beds.</summary>
    public static NetworkNamespace CreateUnique(string prefix) =>
        Create($"{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");

    /// <summary>Refers to an existing namespace without taking ownership: disposing it deletes nothing.</summary>
    public static NetworkNamespace Attach(string name)
    {
        if (!Exists(name))
        {
            throw new InvalidOperationException($"No network namespace named '{name}' ({PathOf(name)}).");
        }

        return new NetworkNamespace(name, owned: false);
    }

    /// <summary>
    /// Runs <paramref name="action"/> on a thread inside the namespace and returns its result.
    /// Sockets and TAP devices opened there stay in the namespace after the call returns. Start no
    /// threads and no asynchronous socket operations inside: a thread inherits its creator's
    /// namespace, and would keep a deleted namespace alive.
    /// </summary>
    public T Invoke<T>(Func<T> action) => NamespaceThread.Run(Path, action);

    /// <summary>Runs a program inside the namespace (<c>ip netns exec</c>) and returns its exit code and output.</summary>
    public CommandResult Execute(string fileName, params string[] arguments) =>
        Run("ip", ["netns", "exec", Name, fileName, .. arguments]);

    /// <summary>Adds an address in CIDR form (<c>10.99.0.1/24</c>) to an interface in the namespace.</summary>
    public void AddAddress(string interfaceName, string cidr) => IpHere("address", "add", cidr, "dev", interfaceName);

    /// <summary>Brings an interface in the namespace up.</summary>
    public void SetLinkUp(string interfaceName) => IpHere("link", "set", interfaceName, "up");

    /// <summary>Adds a permanent neighbour (ARP) entry, so the kernel sends to <paramref name="address"/> without asking.</summary>
    public void AddNeighbor(string interfaceName, string address, string macAddress) =>
        IpHere("neigh", "replace", address, "lladdr", macAddress, "dev", interfaceName, "nud", "permanent");

    /// <summary>
    /// Creates a veth pair with <paramref name="name"/> here and <paramref name="peerName"/> in
    /// <paramref name="peerNamespace"/> (here when null), both up.
    /// </summary>
    public void CreateVethPair(string name, string peerName, NetworkNamespace? peerNamespace = null)
    {
        var peer = peerNamespace ?? this;
        IpHere("link", "add", name, "type", "veth", "peer", "name", peerName, "netns", peer.Name);
        SetLinkUp(name);
        peer.SetLinkUp(peerName);
    }

    /// <summary>Creates a Linux bridge in the namespace and brings it up.</summary>
    public void CreateBridge(string name)
    {
        IpHere("link", "add", name, "type", "bridge");
        SetLinkUp(name);
    }

    /// <summary>Enslaves an interface in the namespace to a bridge in the namespace.</summary>
    public void AttachToBridge(string interfaceName, string bridgeName) => IpHere("link", "set", interfaceName, "master", bridgeName);

    /// <summary>Deletes the namespace if this instance created it (<c>ip netns del</c>); interfaces in it go with it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !_owned)
        {
            return;
        }

        Run("ip", ["netns", "del", Name]);
    }

    private void IpHere(params string[] arguments) => Ip(["-n", Name, .. arguments]);

    private static void Ip(params string[] arguments)
    {
        var result = Run("ip", arguments);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)} exited {result.ExitCode}: {result.StandardError.Trim()}");
        }
    }

    private static CommandResult Run(string fileName, string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new CommandResult(process.ExitCode, output, error.GetAwaiter().GetResult());
    }
}
