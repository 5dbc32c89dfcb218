namespace ParaIo.Load.Qos;

/// <summary>A vNIC of a scenario: made with <c>paraioctl vnic create NAME --port nic0/0 OPTIONS</c>, bound to the vif of guest <see cref="Guest"/>.</summary>
internal sealed record QosVnic(string Name, string Guest, IReadOnlyList<string> Options);

/// <summary>
/// One iperf3 TCP flow to server port <see cref="Port"/> from the guest of <see cref="Vnic"/>,
/// measured by paraiod's counters: the class <see cref="Class"/> of the vNIC, or the whole vNIC
/// when null. <see cref="ConfiguredMbps"/> is its guarantee.
/// </summary>
internal sealed record QosFlow(string Label, string Vnic, string? Class, int Port, double ConfiguredMbps);

/// <summary>A sum of flows reported beside them (a vNIC's classes, a port's vNICs), with its configured rate.</summary>
internal sealed record QosTotal(string Label, double ConfiguredMbps);

/// <summary>A phase: the flows that send (the others are idle) and the rate each should get, Mb/s.</summary>
internal sealed record QosPhase(string Name, IReadOnlyDictionary<string, double> Expected);

/// <summary>
/// A scenario of <c>paraio-load qos</c>: paraiod's settings, the vNICs, the flows, and the phases
/// with the rates the scheduler should give (docs/qos.md: guarantees first, an idle share lent
/// in proportion to the committed rates of those at the same priority, the port's spare to the
/// highest priority first).
/// </summary>
internal sealed record QosScenario(
    string Name,
    string Description,
    IReadOnlyList<string> Settings,
    IReadOnlyList<QosVnic> Vnics,
    IReadOnlyList<QosFlow> Flows,
    QosTotal Total,
    IReadOnlyList<QosPhase> Phases)
{
    public const string Figure4Name = "figure4";
    public const string OversubscriptionName = "oversubscription";

    public static IReadOnlyList<string> Names { get; } = [Figure4Name, OversubscriptionName];

    /// <summary>
    /// The paper's Figure 4: one 200 Mb/s vNIC (committed = ceiling) with SAP 100, Exchange 70 and
    /// backup 30, each an iperf3 flow on its own port, on the default 10 Gb/s port.
    /// </summary>
    public static QosScenario Figure4 { get; } = new(
        Figure4Name,
        "one 200 Mb/s vNIC (committed = ceiling) with classes SAP 100, Exchange 70, backup 30 (tcp/3200, tcp/443, tcp/10000), a saturating iperf3 flow each",
        [],
        [new QosVnic("erp0", "erp", ["--rate", "200M", "--ceiling", "200M", "--class", "sap:100M:tcp/3200", "--class", "exchange:70M:tcp/443", "--class", "backup:30M:tcp/10000"])],
        [
            new QosFlow("SAP", "erp0", "sap", 3200, 100),
            new QosFlow("Exchange", "erp0", "exchange", 443, 70),
            new QosFlow("backup", "erp0", "backup", 10000, 30),
        ],
        new QosTotal("vNIC erp0", 200),
        [
            new QosPhase("all three", new Dictionary<string, double> { ["SAP"] = 100, ["Exchange"] = 70, ["backup"] = 30 }),
            // backup's 30 split 100 : 70.
            new QosPhase("backup idle", new Dictionary<string, double> { ["SAP"] = 100 + (30 * 100 / 170.0), ["Exchange"] = 70 + (30 * 70 / 170.0) }),
            // SAP's 100 split 70 : 30.
            new QosPhase("SAP idle", new Dictionary<string, double> { ["Exchange"] = 70 + (100 * 70 / 100.0), ["backup"] = 30 + (100 * 30 / 100.0) }),
            new QosPhase("all three again", new Dictionary<string, double> { ["SAP"] = 100, ["Exchange"] = 70, ["backup"] = 30 }),
        ]);

    /// <summary>
    /// A 300 Mb/s port: vNICs a0 (committed 100) and b0 (committed 150) at priority 4, and a
    /// best-effort flooder at priority 0, which buys it the spare, not the others' commitments.
    /// </summary>
    public static QosScenario Oversubscription { get; } = new(
        OversubscriptionName,
        "a 300 Mb/s port: vNIC a0 committed 100 and b0 committed 150 at priority 4, flood0 best effort at priority 0, a saturating iperf3 flow from each vNIC's guest",
        ["--Paraiod:Fabric:Modules:nic0:Ports:0:LineRate=300M"],
        [
            new QosVnic("a0", "a", ["--rate", "100M", "--priority", "4"]),
            new QosVnic("b0", "b", ["--rate", "150M", "--priority", "4"]),
            new QosVnic("flood0", "flood", ["--rate", "0", "--priority", "0"]),
        ],
        [
            new QosFlow("a0", "a0", null, 5301, 100),
            new QosFlow("b0", "b0", null, 5302, 150),
            new QosFlow("flood0", "flood0", null, 5303, 0),
        ],
        new QosTotal("port nic0/0", 300),
        [
            new QosPhase("all three", new Dictionary<string, double> { ["a0"] = 100, ["b0"] = 150, ["flood0"] = 50 }),
            // Without the flooder the spare 50 is split 100 : 150.
            new QosPhase("flood0 idle", new Dictionary<string, double> { ["a0"] = 120, ["b0"] = 180 }),
            new QosPhase("all three again", new Dictionary<string, double> { ["a0"] = 100, ["b0"] = 150, ["flood0"] = 50 }),
        ]);

    public static QosScenario Named(string name) => name switch
    {
        Figure4Name => Figure4,
        OversubscriptionName => Oversubscription,
        _ => throw new ArgumentException($"There is no qos scenario '{name}'.", nameof(name)),
    };
}
