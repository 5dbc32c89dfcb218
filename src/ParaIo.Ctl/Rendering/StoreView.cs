using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using ParaIo.Ctl.Commands;
using ParaIo.Store.Tree;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ParaIo.Ctl.Rendering;

/// <summary>How <c>store</c> commands show nodes: a tree of <c>name = "value"</c> lines, or JSON.</summary>
internal static class StoreView
{
    /// <summary>
    /// The subtree as xenstore-ls lays it out, one <c>name = "value"</c> a node under its parent,
    /// with the permission list after it when read (<c>(n0,r1)</c>).
    /// </summary>
    public static void Tree(CtlConsole console, StoreNode root)
    {
        var label = root.Value.Length == 0 ? root.Path : $"{root.Path} = \"{StoreValueText.Escape(root.Value)}\"";
        var tree = new Tree(new Text(label + PermissionsSuffix(root.Permissions))) { Guide = TreeGuide.Line };
        AddChildren(tree, root);
        console.Ansi.Write(tree);
    }

    public static void WriteNodeJson(Utf8JsonWriter writer, StoreNode node)
    {
        writer.WriteStartObject();
        writer.WriteString("name", node.Name);
        writer.WriteString("path", node.Path);
        WriteValue(writer, node.Value);
        if (node.Permissions is { } permissions)
        {
            writer.WriteStartArray("perms");
            foreach (var entry in permissions.ToWireStrings())
            {
                writer.WriteStringValue(entry);
            }

            writer.WriteEndArray();
        }

        writer.WriteStartArray("children");
        foreach (var child in node.Children)
        {
            WriteNodeJson(writer, child);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// <c>"value"</c> as a string when it is UTF-8 (store values are text in practice); otherwise
    /// <c>"value": null</c> and the bytes in <c>"valueBase64"</c>, so no byte is lost or invented.
    /// </summary>
    public static void WriteValue(Utf8JsonWriter writer, byte[] value)
    {
        if (Utf8.IsValid(value))
        {
            writer.WriteString("value", Encoding.UTF8.GetString(value));
        }
        else
        {
            writer.WriteNull("value");
            writer.WriteBase64String("valueBase64", value);
        }
    }

    private static void AddChildren(IHasTreeNodes parent, StoreNode node)
    {
        foreach (var child in node.Children)
        {
            var label = $"{child.Name} = \"{StoreValueText.Escape(child.Value)}\"{PermissionsSuffix(child.Permissions)}";
            AddChildren(parent.AddNode(new Text(label)), child);
        }
    }

    private static string PermissionsSuffix(NodePermissions? permissions) =>
        permissions is null ? string.Empty : $"  ({string.Join(',', permissions.ToWireStrings())})";
}
