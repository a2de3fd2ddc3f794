# ssoenv hook for PowerShell: defines __SSOENV_CMD__ and tab completion for it and for ssoenv.
# Load it from $PROFILE with: Invoke-Expression (& ssoenv init powershell | Out-String)

# _SSOENV_HOOK tells `ssoenv doctor` the hook is loaded: shell, pid, name, completion, binary.
$Env:_SSOENV_HOOK = "powershell $PID __SSOENV_CMD__ 1 " + __SSOENV_EXE__

# __SSOENV_CMD__ [-c|-Credentials] [-y|-Yes] [PROFILE]: switch this shell to PROFILE
# (AWS_PROFILE), or with -c to its credentials; with no argument, clear what ssoenv set. ssoenv
# logs in first when the session needs it; -y skips the question a guarded profile asks. Its script is evaluated only when it succeeds: on failure the session stays as
# it was, ssoenv's message is on stderr, and $LASTEXITCODE holds its status.
function global:__SSOENV_CMD__ {
    param(
        [Alias('c')][switch] $Credentials,
        [Alias('y')][switch] $Yes,
        [Parameter(Position = 0)][string] $Name
    )
    $arguments = @('env', '--shell', 'powershell')
    if ($Name -or $Credentials -or $Yes) {
        $arguments += '--login'
        if ($Credentials) { $arguments += '--credentials' }
        if ($Yes) { $arguments += '--yes' }
        if ($Name) { $arguments += "--profile=$Name" }
    } else {
        $arguments += '--unset'
    }
    $script = & __SSOENV_EXE__ @arguments | Out-String
    if ($LASTEXITCODE -ne 0) { return }
    Invoke-Expression $script
    __ssoenv_fresh_arm $Credentials.IsPresent
}

# Credentials that stay fresh: `__SSOENV_CMD__ -c` turns the check on, any other switch turns it
# off. Before each prompt, when fewer than SSOENV_REFRESH_BEFORE seconds (default 300) are left
# until AWS_CREDENTIAL_EXPIRATION, the credentials are exported again through
# `ssoenv env --credentials --no-login` (never a browser from a prompt). While they are fresh the
# check reads .NET's clock: no process. A failed refresh keeps the old values, says so once, and is
# retried quietly at most once a minute.
function global:__ssoenv_fresh_arm {
    param([bool] $On)
    $global:__ssoenv_fresh_on = $On
    $global:__ssoenv_fresh_seen = $null
    $global:__ssoenv_fresh_at = 0
    $global:__ssoenv_fresh_retry = 0
    $global:__ssoenv_fresh_told = $false
}

function global:__ssoenv_fresh {
    if (-not $global:__ssoenv_fresh_on -or -not $Env:SSOENV_PROFILE) { return }
    if ($Env:AWS_CREDENTIAL_EXPIRATION -ne $global:__ssoenv_fresh_seen) {
        __ssoenv_fresh_arm $true
        $global:__ssoenv_fresh_seen = $Env:AWS_CREDENTIAL_EXPIRATION
        $at = [DateTimeOffset]::MinValue
        if ([DateTimeOffset]::TryParse($Env:AWS_CREDENTIAL_EXPIRATION,
                [Globalization.CultureInfo]::InvariantCulture,
                [Globalization.DateTimeStyles]::AssumeUniversal, [ref] $at)) {
            $global:__ssoenv_fresh_at = $at.ToUnixTimeSeconds()
        }
    }
    $before = 300
    if (-not [int]::TryParse($Env:SSOENV_REFRESH_BEFORE, [ref] $before) -or $before -lt 0) { $before = 300 }
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    if ($global:__ssoenv_fresh_at -le 0 -or $now + $before -lt $global:__ssoenv_fresh_at -or
        $now -lt $global:__ssoenv_fresh_retry) { return }
    $global:__ssoenv_fresh_retry = $now + 60
    $script = & __SSOENV_EXE__ env --shell powershell --credentials --no-login "--profile=$Env:SSOENV_PROFILE" 2>$null | Out-String
    if ($LASTEXITCODE -eq 0) {
        Invoke-Expression $script
    } elseif (-not $global:__ssoenv_fresh_told) {
        $global:__ssoenv_fresh_told = $true
        [Console]::Error.WriteLine("ssoenv: could not refresh the credentials of $Env:SSOENV_PROFILE (they expire at $global:__ssoenv_fresh_seen); run: __SSOENV_CMD__ -c $Env:SSOENV_PROFILE")
    }
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

# The prompt segment kept in $Env:SSOENV_SEGMENT (for the prompt function or starship's env_var
# module), recomputed by `ssoenv prompt --for-hook powershell` only when one of its inputs
# changed: the variables below (compared here), the modification time of a file it was read
# from, or the clock reaching the second its text changes. Otherwise no process.
# $Env:SSOENV_PROMPT_FORMAT and $Env:SSOENV_PROMPT_GUARD_FORMAT, when set, are its --format and
# --guard-format.
function global:__ssoenv_segment {
    $key = "$Env:SSOENV_PROFILE|$Env:AWS_PROFILE|$Env:AWS_DEFAULT_PROFILE|$Env:AWS_REGION|$Env:AWS_DEFAULT_REGION|$Env:AWS_ACCOUNT_ID|$Env:AWS_CREDENTIAL_EXPIRATION|$Env:AWS_CONFIG_FILE|$Env:AWS_SHARED_CREDENTIALS_FILE|$Env:SSOENV_PROMPT_FORMAT|$Env:SSOENV_PROMPT_GUARD_FORMAT"
    if ($key -eq $global:__ssoenv_seg_key -and ($global:__ssoenv_seg_until -eq '0' -or
            [DateTimeOffset]::UtcNow.ToUnixTimeSeconds() -lt [long] $global:__ssoenv_seg_until)) {
        $same = $true
        for ($i = 0; $i -lt @($global:__ssoenv_seg_files).Count; $i++) {
            $item = Get-Item -LiteralPath $global:__ssoenv_seg_files[$i] -Force -ErrorAction Ignore
            $mtime = '0'
            if ($item) { $mtime = [string] ([DateTimeOffset] $item.LastWriteTimeUtc).ToUnixTimeSeconds() }
            if ($mtime -ne $global:__ssoenv_seg_mtimes[$i]) { $same = $false; break }
        }
        if ($same) { return }
    }
    $global:__ssoenv_seg_key = $key
    $arguments = @('prompt', '--for-hook', 'powershell')
    if ($Env:SSOENV_PROMPT_FORMAT) { $arguments += "--format=$Env:SSOENV_PROMPT_FORMAT" }
    if ($Env:SSOENV_PROMPT_GUARD_FORMAT) { $arguments += "--guard-format=$Env:SSOENV_PROMPT_GUARD_FORMAT" }
    $script = & __SSOENV_EXE__ @arguments 2>$null | Out-String
    if ($LASTEXITCODE -eq 0) {
        Invoke-Expression $script
    } else {
        Remove-Item -LiteralPath 'Env:/SSOENV_SEGMENT' -ErrorAction SilentlyContinue
        $global:__ssoenv_seg_until = '0'
        $global:__ssoenv_seg_files = @()
        $global:__ssoenv_seg_mtimes = @()
    }
}

# The prompt-time checks run before the prompt the user had, which is kept as it was; loading the
# hook twice wraps it once. $LASTEXITCODE is kept for that prompt to show.
if (-not $global:__ssoenv_user_prompt) {
    $global:__ssoenv_user_prompt = $function:prompt
    function global:prompt {
        $code = $global:LASTEXITCODE
        __ssoenv_fresh
        __ssoenv_segment
        $global:LASTEXITCODE = $code
        & $global:__ssoenv_user_prompt
    }
}
