using System.Text.Json;
using Spectre.Console;

namespace ParaIo.Ctl.Rendering;

/// <summary>The human views of the <c>profile-*</c> control results.</summary>
internal static class ProfileView
{
    public static void Show(CtlConsole console, JsonElement profile, string? verb = null)
    {
        var name = JsonFields.Text(profile, "name");
        var domain = RateText.OrDash(profile, "domain");
        console.Out.WriteLine($"{(verb is null ? "Profile" : verb + " profile")} {name} (template {JsonFields.Text(profile, "template")}), {(domain == "-" ? "not bound" : "bound to " + domain)}.");
        var vnics = JsonFields.ItemsOrEmpty(profile, "vnics").ToList();
        if (vnics.Count > 0)
        {
            console.Ansi.Write(VnicView.Table(vnics));
        }

        var vhbas = JsonFields.ItemsOrEmpty(profile, "vhbas").ToList();
        if (vhbas.Count > 0)
        {
            console.Ansi.Write(VhbaView.Table(vhbas));
        }

        var devices = string.Join(" ", JsonFields.ItemsOrEmpty(profile, "devices").Select(d => d.GetString()));
        console.Out.WriteLine($"Devices it gives its domain: {(devices.Length == 0 ? "none" : devices)}");
        if (domain == "-")
        {
            console.Out.WriteLine($"Bind it with: paraioctl profile bind {name} DOMAIN, or paraioctl domain create DOMAIN --profile {name}");
        }
    }

    public static void List(CtlConsole console, JsonElement result)
    {
        var profiles = JsonFields.Items(result, "profile-list").ToList();
        if (profiles.Count == 0)
        {
            console.Out.WriteLine("No profiles.");
            return;
        }

        var table = new Table().AddColumns("Name", "Template", "Domain", "vNICs", "vHBAs", "LUNs");
        foreach (var profile in profiles)
        {
            var vnics = JsonFields.ItemsOrEmpty(profile, "vnics").Select(v => $"{JsonFields.Text(v, "name")} {JsonFields.Text(v, "mac")}");
            var vhbas = JsonFields.ItemsOrEmpty(profile, "vhbas").ToList();
            var luns = vhbas.SelectMany(v => JsonFields.ItemsOrEmpty(v, "luns")).Select(l => l.GetString()).Distinct();
            table.AddRow(
                new Text(JsonFields.Text(profile, "name")),
                new Text(JsonFields.Text(profile, "template")),
                new Text(RateText.OrDash(profile, "domain")),
                new Text(string.Join(", ", vnics) is { Length: > 0 } n ? n : "-"),
                new Text(string.Join(", ", vhbas.Select(v => $"{JsonFields.Text(v, "name")} {JsonFields.Text(v, "wwpn")}")) is { Length: > 0 } h ? h : "-"),
                new Text(string.Join(", ", luns) is { Length: > 0 } l ? l : "-"));
        }

        console.Ansi.Write(table);
    }

    public static void Bound(CtlConsole console, JsonElement result) =>
        console.Out.WriteLine($"Bound profile {JsonFields.Text(result, "profile")} to {JsonFields.Text(result, "domain")}; its devices now: {string.Join(" ", JsonFields.ItemsOrEmpty(result, "devices").Select(d => d.GetString()))}");

    public static void Unbound(CtlConsole console, JsonElement result) =>
        console.Out.WriteLine($"Unbound profile {JsonFields.Text(result, "profile")} from {JsonFields.Text(result, "domain")}; its MACs, WWPNs, service levels and LUN masking stay with the profile.");
}
