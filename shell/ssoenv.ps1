# ssoenv hook for PowerShell: defines __SSOENV_CMD__ and tab completion for it and for ssoenv.
# Load it from $PROFILE with: Invoke-Expression (& ssoenv init powershell | Out-String)

# _SSOENV_HOOK tells `ssoenv doctor` the hook is loaded: shell, pid, name, completion, binary.
$Env:_SSOENV_HOOK = "powershell $PID __SSOENV_CMD__ 1 " + __SSOENV_EXE__

# __SSOENV_CMD__ [-c|-Credentials] [PROFILE]: switch this shell to PROFILE (AWS_PROFILE), or with
# -c to its credentials; with no argument, clear what ssoenv set. ssoenv logs in first when the
# session needs it. Its script is evaluated only when it succeeds: on failure the session stays as
# it was, ssoenv's message is on stderr, and $LASTEXITCODE holds its status.
function global:__SSOENV_CMD__ {
    param(
        [Alias('c')][switch] $Credentials,
        [Parameter(Position = 0)][string] $Name
    )
    $arguments = @('env', '--shell', 'powershell')
    if ($Name -or $Credentials) {
        $arguments += '--login'
        if ($Credentials) { $arguments += '--credentials' }
        if ($Name) { $arguments += "--profile=$Name" }
    } else {
        $arguments += '--unset'
    }
    $script = & __SSOENV_EXE__ @arguments | Out-String
    if ($LASTEXITCODE -ne 0) { return }
    Invoke-Expression $script
}

# What ssoenv's own completion engine (clap_complete's COMPLETE protocol) answers for the words,
# as completion results with each description beside its value.
function global:__ssoenv_complete {
    param([string[]] $Words)
    $previous = $Env:COMPLETE
    $Env:COMPLETE = 'powershell'
    try {
        & __SSOENV_EXE__ -- @Words 2>$null | ForEach-Object {
            $value, $help = $_ -split "`t", 2
            if (-not $help) { $help = $value }
            [System.Management.Automation.CompletionResult]::new($value, $value, 'ParameterValue', $help)
        }
    } finally {
        if ($null -eq $previous) {
            Remove-Item -LiteralPath 'Env:/COMPLETE' -ErrorAction SilentlyContinue
        } else {
            $Env:COMPLETE = $previous
        }
    }
}

Register-ArgumentCompleter -Native -CommandName 'ssoenv' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements |
        Where-Object { $_.Extent.EndOffset -le $cursorPosition } |
        ForEach-Object { $_.Extent.Text })
    if ($wordToComplete -eq '') { $words += '' }
    __ssoenv_complete $words
}

# Profile names with their account and role, as `ssoenv env -- WORD` completes them.
Register-ArgumentCompleter -CommandName '__SSOENV_CMD__' -ParameterName 'Name' -ScriptBlock {
    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
    __ssoenv_complete @('ssoenv', 'env', '--', $wordToComplete)
}
