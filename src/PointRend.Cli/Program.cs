using System.CommandLine;
using PointRend.Cli.Commands;

var root = new RootCommand("pointrend: PointRend segmentation from the command line, in-process or against a gateway");
root.Subcommands.Add(SegmentCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(FairnessCommand.Create());
root.Subcommands.Add(VideoCommand.Create());
root.Subcommands.Add(FigureCommand.Create());
return await root.Parse(args).InvokeAsync();
