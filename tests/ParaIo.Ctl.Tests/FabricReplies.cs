namespace ParaIo.Ctl.Tests;

/// <summary>Results of the fabric's control commands, as paraiod writes them (rates in bytes a second).</summary>
internal static class FabricReplies
{
    public const string SapVnic = """
        {"name":"sap0","mac":"02:50:10:00:00:01","port":"nic0/0","bridge":"br0","committedRate":25000000,"ceiling":25000000,"burst":0,"priority":2,
         "classes":[
           {"name":"sap","committedRate":12500000,"ceiling":null,"priority":0,"matches":["tcp/3200-3299"],"text":"sap:100M:tcp/3200-3299"},
           {"name":"exchange","committedRate":8750000,"ceiling":null,"priority":0,"matches":["tcp/135","tcp/443"],"text":"exchange:70M:tcp/135+tcp/443"},
           {"name":"backup","committedRate":3750000,"ceiling":null,"priority":6,"matches":["tcp/10000"],"text":"backup:30M:tcp/10000:prio=6"}],
         "profile":null,"usedBy":[{"domain":"erp","device":"vif:0"}],
         "counters":{"bytes":52428800,"frames":36000,"dropped":12,"queued":3,"rate":25000000,"classes":[{"name":"sap","bytes":26214400,"frames":18000,"dropped":0,"queued":1,"rate":12500000}]}}
        """;

    public const string WebVnic = """
        {"name":"web-nic0","mac":"02:50:10:00:00:00","port":"nic0/0","bridge":"br0","committedRate":12500000,"ceiling":null,"burst":0,"priority":4,"classes":[],"profile":"web","usedBy":[],"counters":null}
        """;

    public const string DbVhba = """
        {"name":"db0","wwpn":"50:01:43:80:00:00:00:07","port":"hba0/0","committedRate":50000000,"bandwidthLimit":125000000,"iopsLimit":20000,"priority":1,
         "luns":["data","logs"],"profile":null,"usedBy":[{"domain":"db","device":"vbd:0"}],
         "counters":{"bytes":3145728,"operations":96,"borrowedBytes":0,"dropped":0,"queued":0,"rate":1048576,"operationRate":32}}
        """;

    public const string WebVhba = """
        {"name":"web-hba0","wwpn":"50:01:43:80:00:00:00:01","port":"hba0/0","committedRate":25000000,"bandwidthLimit":null,"iopsLimit":null,"priority":4,
         "luns":["data"],"profile":"web","usedBy":[],"counters":null}
        """;

    public const string Modules = """
        [{"name":"hba0","kind":"vhba","members":2,"maxMembers":null,"ports":[
           {"port":"hba0/0","lineRate":500000000,"committed":75000000,"members":2,"bridge":null,
            "counters":{"bytes":3145728,"operations":96,"borrowedBytes":0,"dropped":0,"queued":0,"rate":1048576,"operationRate":32}}]},
         {"name":"nic0","kind":"vnic","members":3,"maxMembers":256,"ports":[
           {"port":"nic0/0","lineRate":1250000000,"committed":37500000,"members":2,"bridge":"br0","counters":null},
           {"port":"nic0/1","lineRate":1250000000,"committed":0,"members":1,"bridge":"br1","counters":null}]}]
        """;

    public const string DataLun = """
        {"name":"data","kind":"image","path":"/var/lib/paraio/disks/data.img","bytes":10737418240,
         "masks":[{"wwpn":"50:01:43:80:00:00:00:07","vhba":"db0"},{"wwpn":"50:01:43:80:00:00:00:09","vhba":null}],
         "usedBy":[{"domain":"db","device":"vbd:0"}]}
        """;

    public static string WebProfile(string? domain) => $$"""
        {"name":"web","template":"default","domain":{{(domain is null ? "null" : $"\"{domain}\"")}},
         "vnics":[{{WebVnic}}],"vhbas":[{{WebVhba}}],
         "devices":["vif,vnic=web-nic0","vbd,vhba=web-hba0,lun=data"]}
        """;
}
