using PointRend.Cli;

return await CliApp.RunAsync(args, Console.Error);
