//! The last step: execve of COMMAND, with a PATH search for names without
//! a slash and docker's exit status when it fails.

use crate::args::Argv;
use crate::error::{Error, STATUS_CANNOT_EXEC, STATUS_NOT_FOUND};
use crate::path::PathBuf;
use crate::sys::{process, Errno};
use core::ffi::CStr;

/// Replaces the process with `command` (or `/bin/sh` when it is empty) and
/// `env`; returns only the error when that fails.
pub fn exec_command(command: Argv<'_>, env: Argv<'_>, path_var: &[u8]) -> Error {
    let argv = if command.is_empty() {
        Argv::default_shell()
    } else {
        command
    };
    let program = argv.get(0).unwrap_or(c"/bin/sh");
    let errno = if program.is_empty() {
        // execvp and shells report an empty name as not found.
        Errno::ENOENT
    } else if program.to_bytes().contains(&b'/') {
        execve(program, argv, env)
    } else {
        search_path(program, argv, env, path_var)
    };
    exec_error(program, errno)
}

fn execve(path: &CStr, argv: Argv<'_>, env: Argv<'_>) -> Errno {
    // SAFETY: both arrays come from `Argv`, which guarantees NULL-terminated
    // arrays of C strings valid for the call.
    #[allow(unsafe_code)]
    unsafe {
        process::execve(path, argv.as_ptr(), env.as_ptr())
    }
}

/// Tries each directory of PATH in order, as execvp does: a missing file
/// moves on to the next, a file that cannot be executed is remembered, and
/// any other failure stops the search. An empty entry means ".".
fn search_path(program: &CStr, argv: Argv<'_>, env: Argv<'_>, path_var: &[u8]) -> Errno {
    let mut denied = false;
    for dir in path_var.split(|&b| b == b':') {
        let dir = if dir.is_empty() { &b"."[..] } else { dir };
        let mut candidate = PathBuf::<4096>::new();
        if candidate
            .push(dir)
            .and_then(|path| path.join(program.to_bytes()))
            .is_err()
        {
            continue;
        }
        match execve(candidate.as_cstr(), argv, env) {
            Errno::ENOENT | Errno::ENOTDIR | Errno::ENAMETOOLONG => {}
            Errno::EACCES => denied = true,
            errno => return errno,
        }
    }
    if denied {
        Errno::EACCES
    } else {
        Errno::ENOENT
    }
}

fn exec_error(program: &CStr, errno: Errno) -> Error {
    let shown = if program.is_empty() {
        &b"\"\""[..]
    } else {
        program.to_bytes()
    };
    let error = Error::new("exec", shown, errno);
    let not_found = matches!(errno, Errno::ENOENT | Errno::ENOTDIR);
    let hint = match (not_found, program.to_bytes().first()) {
        (true, Some(b'-')) => "options go before ROOTFS; everything after it is COMMAND",
        (true, _) => {
            "neither COMMAND nor its PATH entries have it, or the interpreter it names \
                      (#! line or ELF loader) is missing"
        }
        (false, _) => "COMMAND must be an executable file: check its mode and format",
    };
    let status = if not_found {
        STATUS_NOT_FOUND
    } else {
        STATUS_CANNOT_EXEC
    };
    error.status(status).hint(hint)
}
