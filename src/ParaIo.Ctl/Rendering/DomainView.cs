using System.Text.Json;
using Spectre.Console;

namespace ParaIo.Ctl.Rendering;

/// <summary>The human views of the <c>domain-*</c> control results.</summary>
internal static class DomainView
{
    /// <summary>
    /// What <c>domain create</c> prints: the domain, its token and how to start the guest.
    /// Plain lines rather than a grid: they are meant to be copied, and a grid pads them with spaces.
    /// </summary>
    public static void Created(CtlConsole console, JsonElement result)
    {
        var name = JsonFields.Text(result, "name");
        var token = JsonFields.Text(result, "token");
        var devices = string.Join(", ", JsonFields.ItemsOrEmpty(result, "devices").Select(DeviceName));

        var output = console.Out;
        output.WriteLine($"Created domain {name} (domid {JsonFields.NumberText(result, "domid")}).");
        output.WriteLine($"  token    {token}  (secret: the guest presents it on every connection)");
        output.WriteLine($"  devices  {(devices.Length == 0 ? "none" : devices)}");
        output.WriteLine();
        output.WriteLine("Start the guest with:");
        output.WriteLine($"  {GuestCommandLine(name, token)}");
    }

    public static void List(CtlConsole console, JsonElement result)
    {
        var domains = JsonFields.Items(result, "domain-list").ToList();
        if (domains.Count == 0)
        {
            console.Out.WriteLine("No domains.");
            return;
        }

        var table = new Table().AddColumns("Name", "Domid", "State", "Devices");
        table.Columns[1].RightAligned();
        table.Columns[3].RightAligned();
        foreach (var domain in domains)
        {
            table.AddRow(
                new Text(JsonFields.Text(domain, "name")),
                new Text(JsonFields.NumberText(domain, "domid")),
                new Text(JsonFields.Text(domain, "state")),
                new Text(JsonFields.NumberText(domain, "devices")));
        }

        console.Ansi.Write(table);
    }

    public static void Destroyed(CtlConsole console, JsonElement result) =>
        console.Out.WriteLine($"Destroyed domain {JsonFields.Text(result, "name")} (domid {JsonFields.NumberText(result, "domid")}).");

    /// <summary>The command that starts the guest, its arguments quoted for a POSIX shell where they need it.</summary>
    public static string GuestCommandLine(string name, string token) =>
        $"paraio-guest --name {ShellQuote(name)} --token {ShellQuote(token)}";

    private static string DeviceName(JsonElement device) =>
        $"{JsonFields.Text(device, "type")} {JsonFields.NumberText(device, "id")}";

    private static string ShellQuote(string word)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/' or '@' or '+' or '=' or ','))
        {
            return word;
        }

        return "'" + word.Replace("'", @"'\''", StringComparison.Ordinal) + "'";
    }
}
