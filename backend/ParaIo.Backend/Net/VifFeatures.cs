namespace ParaIo.Backend.Net;

/// <summary>What a vif's frontend said it can do.</summary>
/// <param name="ScatterGather">It takes frames over several rx buffers.</param>
/// <param name="GsoTcpV4">It takes TCPv4 GSO frames.</param>
/// <param name="GsoTcpV6">It takes TCPv6 GSO frames.</param>
/// <param name="Persistent">It keeps its buffers granted for the connection's life, so the backend may keep them mapped.</param>
public sealed record VifFeatures(bool ScatterGather, bool GsoTcpV4, bool GsoTcpV6, bool Persistent);
