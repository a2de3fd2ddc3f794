# r#'ssoenv'# completion for nushell, through r#'ssoenv'#'s own engine. Load it from config.nu
             # (save it to a file and `source` it); any external completer set before is kept for
             # other commands.
             do --env {
                     let previous = $env.config.completions.external.completer?
                     $env.config.completions.external.enable = true
                     $env.config.completions.external.completer = {|spans: list<string>|
                             if ($spans | first) == r#'ssoenv'# {
                                     COMPLETE=nu ^r#'ssoenv'# -- ...$spans | from json
                             } else if $previous != null {
                                     do $previous $spans
                             }
                     }
             }
