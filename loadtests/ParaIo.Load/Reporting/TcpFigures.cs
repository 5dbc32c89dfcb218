namespace ParaIo.Load.Reporting;

/// <summary>One iperf3 TCP run, as the receiver counted it.</summary>
/// <param name="Gbps">Gigabits per second received (10^9 bits), after the omitted first second.</param>
/// <param name="Bytes">Bytes received in the measured seconds.</param>
/// <param name="Seconds">Measured seconds.</param>
/// <param name="Retransmits">TCP retransmissions the sender counted.</param>
internal sealed record TcpFigures(double Gbps, long Bytes, double Seconds, long Retransmits);
