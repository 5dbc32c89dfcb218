namespace ParaIo.Load.Network;

/// <summary>
/// Two network namespaces joined by one of the paths under test: iperf3's client and ping run in
/// <see cref="Client"/>, iperf3's server in <see cref="Server"/>, which answers on <see cref="ServerAddress"/>.
/// </summary>
internal sealed record NamespacePair(string Client, string Server, string ClientAddress, string ServerAddress, string Detail);
